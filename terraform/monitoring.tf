# Monitoring: log-based metrics on the lines the code writes (their `event` or message; see
# shared/log-events.ts), alert policies, and one dashboard. test/unit/monitoring.test.ts checks that
# every google_logging_metric's filter matches a line the code really writes, and that every label it
# extracts is on that line.
#
# Built-in metrics used as they are: Cloud Run's request_count / request_latencies (each gen2 function
# is a Cloud Run service) and Cloud Tasks' queue/depth / queue/task_attempt_delays.

variable "notification_channels" {
  description = "Notification channel ids (projects/P/notificationChannels/N) every alert policy notifies; none = alerts show in the console only"
  type        = list(string)
  default     = []
}

variable "provider_error_rate_threshold" {
  description = "Share of provider API calls that fail (5xx, 429 after retries, no answer, credentials refused), per provider over 10 minutes"
  type        = number
  default     = 0.05
}

variable "function_5xx_rate_threshold" {
  description = "Share of a function's requests answered 5xx over 10 minutes (task and event functions: 500 only; their 503 asks the queue to retry)"
  type        = number
  default     = 0.05
}

variable "provisioning_failures_threshold" {
  description = "Failed purchases, orders and toll-free activations/reservations per provider and operation in 15 minutes above which to alert"
  type        = number
  default     = 5
}

variable "relay_failures_threshold" {
  description = "Relayed inbound messages refused by tenants' webhooks (each attempt) in 15 minutes above which to alert"
  type        = number
  default     = 20
}

variable "task_queue_depth_threshold" {
  description = "Tasks in one Cloud Tasks queue (scheduled ones included: every purchase schedules a follow-up) held for 15 minutes"
  type        = number
  default     = 20000
}

variable "task_queue_delay_threshold_ms" {
  description = "95th percentile of how late a queue's task attempts run after their scheduled time (ms), for 10 minutes: the backlog's age"
  type        = number
  default     = 300000
}

locals {
  # A gen2 function's Cloud Run service is named after it, lowercased: both spellings are matched.
  monitoring_api_functions  = [for f in local.manifest.functions : f.name if f.access != "task"]
  monitoring_task_functions = concat([for f in local.manifest.functions : f.name if f.access == "task"], [for f in local.manifest.eventFunctions : f.name])
  monitoring_api_regex      = join("|", distinct(flatten([for n in local.monitoring_api_functions : [n, lower(n)]])))
  monitoring_task_regex     = join("|", distinct(flatten([for n in local.monitoring_task_functions : [n, lower(n)]])))
  log_metric                = "logging.googleapis.com/user"
  log_metric_promql         = "logging_googleapis_com:user_"
  alert_docs_footer         = "Logs: Logs Explorer, `jsonPayload.event` / `jsonPayload.message` as in the metric's filter; one request's or job's lines share `trace` (README, Operations)."
}

# --- Log-based metrics -----------------------------------------------------------------------------

# shared/providers/http.ts: one line per provider call, after its retries.
resource "google_logging_metric" "provider_calls" {
  name        = "numbers_provider_calls"
  description = "Provider API calls by provider and outcome: ok, rejected (the provider refused the request: 4xx), failed (5xx, 429 after retries, no answer, credentials refused)."
  filter      = "jsonPayload.event=\"provider.call\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key        = "provider"
      value_type = "STRING"
    }
    labels {
      key        = "outcome"
      value_type = "STRING"
    }
  }
  label_extractors = {
    provider = "EXTRACT(jsonPayload.provider)"
    outcome  = "EXTRACT(jsonPayload.outcome)"
  }
}

# modules/numbers/services/purchase.ts, modules/tollfree/services/{numbers,followup}.ts: a purchase,
# order or toll-free activation/reservation that ended (once, by whoever settled it).
resource "google_logging_metric" "provisioning" {
  name        = "numbers_provisioning"
  description = "Provisioning outcomes by provider, operation (purchase, order, tollfree-activate, tollfree-reserve) and outcome (succeeded, failed)."
  filter      = "jsonPayload.event=\"provisioning\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key        = "provider"
      value_type = "STRING"
    }
    labels {
      key        = "operation"
      value_type = "STRING"
    }
    labels {
      key        = "outcome"
      value_type = "STRING"
    }
  }
  label_extractors = {
    provider  = "EXTRACT(jsonPayload.provider)"
    operation = "EXTRACT(jsonPayload.operation)"
    outcome   = "EXTRACT(jsonPayload.outcome)"
  }
}

# modules/jobs/services/jobs.ts (runItem): each delivery of a bulk job's item task.
resource "google_logging_metric" "job_items" {
  name        = "numbers_job_items"
  description = "Bulk job item deliveries by provider, job type and outcome (succeeded, failed, waiting, retry, …)."
  filter      = "jsonPayload.event=\"job.item\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key        = "provider"
      value_type = "STRING"
    }
    labels {
      key        = "type"
      value_type = "STRING"
    }
    labels {
      key        = "outcome"
      value_type = "STRING"
    }
  }
  label_extractors = {
    provider = "EXTRACT(jsonPayload.provider)"
    type     = "EXTRACT(jsonPayload.type)"
    outcome  = "EXTRACT(jsonPayload.outcome)"
  }
}

# modules/jobs/operations/dead-letter.ts: every message the jobs dead-letter handler receives.
resource "google_logging_metric" "job_dead_letters" {
  name        = "numbers_job_dead_letters"
  description = "Job chunk (or search) messages that reached the dead-letter topic, by kind (chunk, search)."
  filter      = "jsonPayload.event=\"job.dead_lettered\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key        = "kind"
      value_type = "STRING"
    }
  }
  label_extractors = {
    kind = "EXTRACT(jsonPayload.kind)"
  }
}

# modules/inbound/services/deliver.ts: a relayed message the tenant's webhook did not accept.
resource "google_logging_metric" "relay_delivery_failures" {
  name        = "numbers_relay_delivery_failures"
  description = "Relayed inbound message deliveries refused or unreachable (each attempt; the queue retries), by coarse outcome."
  filter      = "jsonPayload.event=\"relay.delivery_failed\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key        = "outcome"
      value_type = "STRING"
    }
  }
  label_extractors = {
    outcome = "EXTRACT(jsonPayload.outcome)"
  }
}

# shared/providers/somos/token-manager.ts: a renewal of the platform's Somos token.
resource "google_logging_metric" "somos_token_renewals" {
  name        = "numbers_somos_token_renewals"
  description = "Somos token renewals by action (refreshed, reopened, opened)."
  filter      = "jsonPayload.message=\"somos.token_renewed\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key        = "action"
      value_type = "STRING"
    }
  }
  label_extractors = {
    action = "EXTRACT(jsonPayload.action)"
  }
}

# shared/providers/somos/token-manager.ts (AUTH_FAILURE_EVENT): a failed renewal step.
resource "google_logging_metric" "somos_token_failures" {
  name        = "numbers_somos_token_failures"
  description = "Failed Somos token renewals (refresh, session open, credentials, state write, lease wait) by stage and reason."
  filter      = "jsonPayload.message=\"somos.auth_failure\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key        = "stage"
      value_type = "STRING"
    }
    labels {
      key        = "reason"
      value_type = "STRING"
    }
  }
  label_extractors = {
    stage  = "EXTRACT(jsonPayload.stage)"
    reason = "EXTRACT(jsonPayload.reason)"
  }
}

# shared/providers/somos/login-gate.ts (AUTH_BREAKER_OPEN_EVENT, ERROR): the Somos login circuit breaker
# opened — after consecutive rejected logins (transition "tripped") or a failed probe ("probe_failed").
resource "google_logging_metric" "somos_auth_breaker_open" {
  name        = "numbers_somos_auth_breaker_open"
  description = "Somos logins paused by the circuit breaker (rejected credentials or a locked user), by transition (tripped, probe_failed)."
  filter      = "severity>=ERROR AND jsonPayload.message=\"somos.auth_breaker_open\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key        = "transition"
      value_type = "STRING"
    }
  }
  label_extractors = {
    transition = "EXTRACT(jsonPayload.transition)"
  }
}

# --- Alert policies ----------------------------------------------------------------------------------

# The consecutive-failure line (ERROR) is logged from the token manager's alertThreshold on (3): the
# metric is google_logging_metric.somos_auth_failures (platform.tf).
resource "google_monitoring_alert_policy" "somos_auth_failures" {
  display_name          = "Somos authentication failing (3+ consecutive renewals)"
  combiner              = "OR"
  severity              = "CRITICAL"
  notification_channels = var.notification_channels
  conditions {
    display_name = "somos.auth_failures_consecutive logged"
    condition_threshold {
      filter          = "metric.type=\"${local.log_metric}/${google_logging_metric.somos_auth_failures.name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
      trigger {
        count = 1
      }
    }
  }
  alert_strategy {
    auto_close = "3600s"
  }
  documentation {
    mime_type = "text/markdown"
    content   = "The platform's Somos session cannot be renewed: every toll-free call will fail once the current token expires. Check the credentials secret (provider-somos-platform) and the `somos.auth_failure` lines (stage, reason, httpStatus). ${local.alert_docs_footer}"
  }
}

# Logins are paused: no instance opens a Somos session until one probe login succeeds.
resource "google_monitoring_alert_policy" "somos_auth_breaker_open" {
  display_name          = "Somos logins paused (login circuit breaker open)"
  combiner              = "OR"
  severity              = "CRITICAL"
  notification_channels = var.notification_channels
  conditions {
    display_name = "somos.auth_breaker_open logged"
    condition_threshold {
      filter          = "metric.type=\"${local.log_metric}/${google_logging_metric.somos_auth_breaker_open.name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
      trigger {
        count = 1
      }
    }
  }
  alert_strategy {
    auto_close = "3600s"
  }
  documentation {
    mime_type = "text/markdown"
    content   = "The Somos registry rejected the platform's login SOMOS_AUTH_BREAKER_THRESHOLD (3) times in a row, so every instance stopped logging in (the registry locks a user after a few failures): toll-free calls that need a new session answer 503 with Retry-After. Fix the secret provider-somos-platform (or have Somos unlock the user); one probe login runs after the cool-down (5 minutes, doubling to 1 hour after each failed probe) and closes the breaker when it succeeds. State: Firestore platform/somosAuthBreaker. ${local.alert_docs_footer}"
  }
}

resource "google_monitoring_alert_policy" "somos_token_failures" {
  display_name          = "Somos token refresh failures"
  combiner              = "OR"
  severity              = "WARNING"
  notification_channels = var.notification_channels
  conditions {
    display_name = "somos.auth_failure logged"
    condition_threshold {
      filter          = "metric.type=\"${local.log_metric}/${google_logging_metric.somos_token_failures.name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "600s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.stage"]
      }
      trigger {
        count = 1
      }
    }
  }
  alert_strategy {
    auto_close = "3600s"
  }
  documentation {
    mime_type = "text/markdown"
    content   = "A Somos token renewal step failed (metric label `stage`: refresh, session_open, credentials, state_write, lease, lease_wait). A refresh rejected with 401 recovers by opening a new session (`recovery: reopen_session`); repeated failures raise the consecutive-failures alert. ${local.alert_docs_footer}"
  }
}

resource "google_monitoring_alert_policy" "provider_error_rate" {
  display_name          = "Provider API error rate above ${var.provider_error_rate_threshold * 100}%"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.notification_channels
  conditions {
    display_name = "failed / all provider calls, per provider, over 10 minutes (at least 20 calls)"
    condition_prometheus_query_language {
      query               = <<-EOT
        (
          sum by (provider) (increase(${local.log_metric_promql}${google_logging_metric.provider_calls.name}{monitored_resource="cloud_run_revision", outcome="failed"}[10m]))
          /
          sum by (provider) (increase(${local.log_metric_promql}${google_logging_metric.provider_calls.name}{monitored_resource="cloud_run_revision"}[10m]))
        ) > ${var.provider_error_rate_threshold}
        and
        sum by (provider) (increase(${local.log_metric_promql}${google_logging_metric.provider_calls.name}{monitored_resource="cloud_run_revision"}[10m])) >= 20
      EOT
      duration            = "300s"
      evaluation_interval = "60s"
    }
  }
  alert_strategy {
    auto_close = "3600s"
  }
  documentation {
    mime_type = "text/markdown"
    content   = "A provider's API fails more than ${var.provider_error_rate_threshold * 100}% of our calls (label `provider`). The `provider call` lines with `outcome: failed` give `status`, `errorKind`, `providerCode` and `op`; 429s mean the account's rate (PROVIDER_RATE_LIMIT_<PROVIDER>, QUEUE_RATE_<PROVIDER>) is set above what the provider allows. ${local.alert_docs_footer}"
  }
}

resource "google_monitoring_alert_policy" "provisioning_failures" {
  display_name          = "Provisioning failures (purchases, orders, toll-free activations)"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.notification_channels
  conditions {
    display_name = "failed provisioning per provider and operation, 15 minutes"
    condition_threshold {
      filter          = "metric.type=\"${local.log_metric}/${google_logging_metric.provisioning.name}\" AND resource.type=\"cloud_run_revision\" AND metric.label.outcome=\"failed\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.provisioning_failures_threshold
      duration        = "0s"
      aggregations {
        alignment_period     = "900s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.provider", "metric.label.operation"]
      }
      trigger {
        count = 1
      }
    }
  }
  alert_strategy {
    auto_close = "3600s"
  }
  documentation {
    mime_type = "text/markdown"
    content   = "More than ${var.provisioning_failures_threshold} provisioning operations failed at one provider in 15 minutes. The `provisioning` lines (`outcome: failed`) give `operation`, `reason` (provider error kind or code, order_refused, order_failed, not_completed, timed_out) and `numberId` / `number`. ${local.alert_docs_footer}"
  }
}

resource "google_monitoring_alert_policy" "job_dead_letters" {
  display_name          = "Bulk job messages dead-lettered"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.notification_channels
  conditions {
    display_name = "job.dead_lettered logged"
    condition_threshold {
      filter          = "metric.type=\"${local.log_metric}/${google_logging_metric.job_dead_letters.name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
      trigger {
        count = 1
      }
    }
  }
  alert_strategy {
    auto_close = "3600s"
  }
  documentation {
    mime_type = "text/markdown"
    content   = "The chunk worker could not process a job's message after every delivery attempt: its waiting items failed (a search job failed whole). The `job message dead-lettered` line names the job (`jobId`, `tenantId`); its trace holds the worker's failed attempts. ${local.alert_docs_footer}"
  }
}

resource "google_monitoring_alert_policy" "task_queue_backlog" {
  display_name          = "Cloud Tasks backlog"
  combiner              = "OR"
  severity              = "WARNING"
  notification_channels = var.notification_channels
  conditions {
    display_name = "task attempts running late (p95 of delay after their scheduled time)"
    condition_threshold {
      filter          = "metric.type=\"cloudtasks.googleapis.com/queue/task_attempt_delays\" AND resource.type=\"cloud_tasks_queue\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.task_queue_delay_threshold_ms
      duration        = "600s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_PERCENTILE_95"
      }
      trigger {
        count = 1
      }
    }
  }
  conditions {
    display_name = "tasks in a queue"
    condition_threshold {
      filter          = "metric.type=\"cloudtasks.googleapis.com/queue/depth\" AND resource.type=\"cloud_tasks_queue\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.task_queue_depth_threshold
      duration        = "900s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_MEAN"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.queue_id"]
      }
      trigger {
        count = 1
      }
    }
  }
  alert_strategy {
    auto_close = "3600s"
  }
  documentation {
    mime_type = "text/markdown"
    content   = "A Cloud Tasks queue (label `queue_id`) runs its tasks late or holds too many. Provider queues run at the provider's rate (QUEUE_RATE_<PROVIDER>): a large bulk job fills them on purpose; late attempts across the board mean the target functions fail or are slow (see the 5xx alert and the `job item` lines). ${local.alert_docs_footer}"
  }
}

resource "google_monitoring_alert_policy" "function_5xx" {
  display_name          = "Function 5xx rate above ${var.function_5xx_rate_threshold * 100}%"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.notification_channels
  # The ratio is taken for every service; `and` keeps the functions of each condition (those with 20+ requests).
  conditions {
    display_name = "API and webhook functions: 5xx / all, 10 minutes (at least 20 requests)"
    condition_prometheus_query_language {
      query               = <<-EOT
        (
          sum by (service_name) (increase(run_googleapis_com:request_count{monitored_resource="cloud_run_revision", response_code_class="5xx"}[10m]))
          /
          sum by (service_name) (increase(run_googleapis_com:request_count{monitored_resource="cloud_run_revision"}[10m]))
        ) > ${var.function_5xx_rate_threshold}
        and
        sum by (service_name) (increase(run_googleapis_com:request_count{monitored_resource="cloud_run_revision", service_name=~"${local.monitoring_api_regex}"}[10m])) >= 20
      EOT
      duration            = "300s"
      evaluation_interval = "60s"
    }
  }
  conditions {
    display_name = "task and event functions: 500 / all, 10 minutes (503 is their retry signal)"
    condition_prometheus_query_language {
      query               = <<-EOT
        (
          sum by (service_name) (increase(run_googleapis_com:request_count{monitored_resource="cloud_run_revision", response_code="500"}[10m]))
          /
          sum by (service_name) (increase(run_googleapis_com:request_count{monitored_resource="cloud_run_revision"}[10m]))
        ) > ${var.function_5xx_rate_threshold}
        and
        sum by (service_name) (increase(run_googleapis_com:request_count{monitored_resource="cloud_run_revision", service_name=~"${local.monitoring_task_regex}"}[10m])) >= 20
      EOT
      duration            = "300s"
      evaluation_interval = "60s"
    }
  }
  alert_strategy {
    auto_close = "3600s"
  }
  documentation {
    mime_type = "text/markdown"
    content   = "A function (label `service_name`) answers 5xx. Error Reporting groups the errors behind them (service = the function); the access lines (`message: request`, `httpRequest.status` >= 500) and the ERROR line of the same trace tell why. ${local.alert_docs_footer}"
  }
}

resource "google_monitoring_alert_policy" "relay_delivery_failures" {
  display_name          = "Relayed messages not delivered to tenants' webhooks"
  combiner              = "OR"
  severity              = "WARNING"
  notification_channels = var.notification_channels
  conditions {
    display_name = "relay.delivery_failed logged, 15 minutes"
    condition_threshold {
      filter          = "metric.type=\"${local.log_metric}/${google_logging_metric.relay_delivery_failures.name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.relay_failures_threshold
      duration        = "0s"
      aggregations {
        alignment_period     = "900s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
      trigger {
        count = 1
      }
    }
  }
  alert_strategy {
    auto_close = "3600s"
  }
  documentation {
    mime_type = "text/markdown"
    content   = "Tenants' webhooks refuse or cannot be reached for relayed inbound messages (the callbacks queue retries each for about a day). The `relayed message not accepted` lines give `tenantId`, `deliveryId`, `status`, `outcome` and `detail`; a single tenant's broken endpoint is theirs to fix (GET /v1/deliveries shows them the failures). ${local.alert_docs_footer}"
  }
}

# --- Dashboard ------------------------------------------------------------------------------------------

locals {
  dashboard_log_metric = { for key, m in {
    provider_calls = google_logging_metric.provider_calls.name
    provisioning   = google_logging_metric.provisioning.name
    job_items      = google_logging_metric.job_items.name
    dead_letters   = google_logging_metric.job_dead_letters.name
    relay_failures = google_logging_metric.relay_delivery_failures.name
    token_renewals = google_logging_metric.somos_token_renewals.name
    token_failures = google_logging_metric.somos_token_failures.name
  } : key => "metric.type=\"${local.log_metric}/${m}\" AND resource.type=\"cloud_run_revision\"" }

  provider_calls_promql       = "${local.log_metric_promql}${google_logging_metric.provider_calls.name}"
  provider_error_ratio_promql = "sum by (provider) (increase(${local.provider_calls_promql}{monitored_resource=\"cloud_run_revision\", outcome=\"failed\"}[10m])) / sum by (provider) (increase(${local.provider_calls_promql}{monitored_resource=\"cloud_run_revision\"}[10m]))"

  # One chart per entry: its title and data sets (a filter with its aggregation, or a PromQL query).
  dashboard_charts = [
    {
      title = "Purchases per provider (succeeded, per 5 min)"
      sets = [
        {
          plotType = "STACKED_BAR"
          timeSeriesQuery = {
            timeSeriesFilter = {
              filter      = "${local.dashboard_log_metric.provisioning} AND metric.label.outcome=\"succeeded\" AND metric.label.operation=one_of(\"purchase\", \"order\")"
              aggregation = { alignmentPeriod = "300s", perSeriesAligner = "ALIGN_SUM", crossSeriesReducer = "REDUCE_SUM", groupByFields = ["metric.label.provider"] }
            }
          }
        },
      ]
    },
    {
      title = "Provisioning failures by provider and operation (per 5 min)"
      sets = [
        {
          plotType = "STACKED_BAR"
          timeSeriesQuery = {
            timeSeriesFilter = {
              filter      = "${local.dashboard_log_metric.provisioning} AND metric.label.outcome=\"failed\""
              aggregation = { alignmentPeriod = "300s", perSeriesAligner = "ALIGN_SUM", crossSeriesReducer = "REDUCE_SUM", groupByFields = ["metric.label.provider", "metric.label.operation"] }
            }
          }
        },
      ]
    },
    {
      title = "Bulk job throughput: item deliveries per second by outcome"
      sets = [
        {
          plotType = "STACKED_AREA"
          timeSeriesQuery = {
            timeSeriesFilter = {
              filter      = local.dashboard_log_metric.job_items
              aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_RATE", crossSeriesReducer = "REDUCE_SUM", groupByFields = ["metric.label.outcome"] }
            }
          }
        },
      ]
    },
    {
      title = "Webhook latency p95 (ms) by function"
      sets = [
        {
          plotType = "LINE"
          timeSeriesQuery = {
            timeSeriesFilter = {
              filter      = "metric.type=\"run.googleapis.com/request_latencies\" AND resource.type=\"cloud_run_revision\" AND resource.label.service_name=starts_with(\"webhook\")"
              aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_DELTA", crossSeriesReducer = "REDUCE_PERCENTILE_95", groupByFields = ["resource.label.service_name"] }
            }
          }
        },
      ]
    },
    {
      title = "Somos token renewals by action, and failed renewal steps by stage (per 10 min)"
      sets = [
        {
          plotType = "STACKED_BAR"
          timeSeriesQuery = {
            timeSeriesFilter = {
              filter      = local.dashboard_log_metric.token_renewals
              aggregation = { alignmentPeriod = "600s", perSeriesAligner = "ALIGN_SUM", crossSeriesReducer = "REDUCE_SUM", groupByFields = ["metric.label.action"] }
            }
          }
        },
        {
          plotType = "LINE"
          timeSeriesQuery = {
            timeSeriesFilter = {
              filter      = local.dashboard_log_metric.token_failures
              aggregation = { alignmentPeriod = "600s", perSeriesAligner = "ALIGN_SUM", crossSeriesReducer = "REDUCE_SUM", groupByFields = ["metric.label.stage"] }
            }
          }
        },
      ]
    },
    {
      title = "Provider API calls per second by provider and outcome"
      sets = [
        {
          plotType = "STACKED_AREA"
          timeSeriesQuery = {
            timeSeriesFilter = {
              filter      = local.dashboard_log_metric.provider_calls
              aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_RATE", crossSeriesReducer = "REDUCE_SUM", groupByFields = ["metric.label.provider", "metric.label.outcome"] }
            }
          }
        },
      ]
    },
    {
      title = "Provider API error rate (failed / all, 10 min)"
      sets = [
        {
          plotType        = "LINE"
          timeSeriesQuery = { prometheusQuery = local.provider_error_ratio_promql }
        },
      ]
    },
    {
      title = "5xx per second by function"
      sets = [
        {
          plotType = "STACKED_BAR"
          timeSeriesQuery = {
            timeSeriesFilter = {
              filter      = "metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\" AND metric.label.response_code_class=\"5xx\""
              aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_RATE", crossSeriesReducer = "REDUCE_SUM", groupByFields = ["resource.label.service_name"] }
            }
          }
        },
      ]
    },
    {
      title = "Cloud Tasks: tasks per queue"
      sets = [
        {
          plotType = "LINE"
          timeSeriesQuery = {
            timeSeriesFilter = {
              filter      = "metric.type=\"cloudtasks.googleapis.com/queue/depth\" AND resource.type=\"cloud_tasks_queue\""
              aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_MEAN", crossSeriesReducer = "REDUCE_SUM", groupByFields = ["resource.label.queue_id"] }
            }
          }
        },
      ]
    },
    {
      title = "Cloud Tasks: attempt delay after schedule, p95 (ms) per queue"
      sets = [
        {
          plotType = "LINE"
          timeSeriesQuery = {
            timeSeriesFilter = {
              filter      = "metric.type=\"cloudtasks.googleapis.com/queue/task_attempt_delays\" AND resource.type=\"cloud_tasks_queue\""
              aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_DELTA", crossSeriesReducer = "REDUCE_PERCENTILE_95", groupByFields = ["resource.label.queue_id"] }
            }
          }
        },
      ]
    },
    {
      title = "Dead-lettered job messages and undelivered relayed messages (per 5 min)"
      sets = [
        {
          plotType = "STACKED_BAR"
          timeSeriesQuery = {
            timeSeriesFilter = {
              filter      = local.dashboard_log_metric.dead_letters
              aggregation = { alignmentPeriod = "300s", perSeriesAligner = "ALIGN_SUM", crossSeriesReducer = "REDUCE_SUM", groupByFields = ["metric.label.kind"] }
            }
          }
        },
        {
          plotType = "STACKED_BAR"
          timeSeriesQuery = {
            timeSeriesFilter = {
              filter      = local.dashboard_log_metric.relay_failures
              aggregation = { alignmentPeriod = "300s", perSeriesAligner = "ALIGN_SUM", crossSeriesReducer = "REDUCE_SUM", groupByFields = ["metric.label.outcome"] }
            }
          }
        },
      ]
    },
  ]
}

resource "google_monitoring_dashboard" "platform" {
  dashboard_json = jsonencode({
    displayName = "Phone-number platform"
    mosaicLayout = {
      columns = 48
      tiles = [for i, chart in local.dashboard_charts : {
        xPos   = (i % 2) * 24
        yPos   = floor(i / 2) * 16
        width  = 24
        height = 16
        widget = {
          title = chart.title
          xyChart = {
            dataSets = [for set in chart.sets : merge({ targetAxis = "Y1" }, set)]
          }
        }
      }]
    }
  })
}
