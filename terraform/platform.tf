# Data, secrets and queues the functions use.

resource "google_firestore_database" "default" {
  name        = "(default)"
  location_id = var.region
  type        = "FIRESTORE_NATIVE"
  # Reads of any moment in the last 7 days (firestore.tf adds daily backups kept longer).
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
}

# The platform's own provider accounts: values are added out of band
# (gcloud secrets versions add provider-twilio-platform --data-file=-), never in Terraform state.
resource "google_secret_manager_secret" "platform_provider" {
  for_each  = toset(["twilio", "plivo", "vonage", "telnyx", "vapi", "somos"])
  secret_id = "provider-${each.key}-platform"
  replication {
    auto {}
  }
}

# Secrets handed to functions as secret environment variables (functions.json secretEnv, from the
# needs in functions/endpoints.ts). Values are added out of band, BEFORE the functions are deployed:
# a function whose secret has no version cannot start (see the README's Deploy section).
resource "google_secret_manager_secret" "function_secrets" {
  for_each  = toset(distinct(flatten([for f in concat(local.manifest.functions, local.manifest.eventFunctions) : [for s in f.secretEnv : s.secret]])))
  secret_id = each.value
  replication {
    auto {}
  }
}

# Cloud Tasks queues are declared in events.tf from the generated manifest.
resource "google_service_account" "tasks" {
  account_id   = "numbers-tasks"
  display_name = "Identity of Cloud Tasks OIDC tokens"
}


# Cloud Scheduler calls the scheduled functions with an OIDC token of the tasks
# service account (the same check as task targets).
resource "google_cloud_scheduler_job" "reconcile" {
  name      = "inventory-reconciliation"
  schedule  = "17 * * * *"
  time_zone = "Etc/UTC"
  region    = var.region
  http_target {
    http_method = "POST"
    uri         = "https://${var.region}-${var.project_id}.cloudfunctions.net/scheduledReconcile"
    body        = base64encode("{}")
    headers     = { "Content-Type" = "application/json" }
    oidc_token {
      service_account_email = google_service_account.tasks.email
      audience              = "https://${var.region}-${var.project_id}.cloudfunctions.net/scheduledReconcile"
    }
  }
}

# Somos: the scheduled function keeps the registry token fresh in Secret Manager every 10 minutes.
resource "google_cloud_scheduler_job" "somos_token_refresh" {
  name             = "somos-token-refresh"
  schedule         = "*/10 * * * *"
  time_zone        = "Etc/UTC"
  region           = var.region
  attempt_deadline = "120s"
  http_target {
    http_method = "POST"
    uri         = "https://${var.region}-${var.project_id}.cloudfunctions.net/scheduledSomosTokenRefresh"
    body        = base64encode("{}")
    headers     = { "Content-Type" = "application/json" }
    oidc_token {
      service_account_email = google_service_account.tasks.email
      audience              = "https://${var.region}-${var.project_id}.cloudfunctions.net/scheduledSomosTokenRefresh"
    }
  }
}

# Bulk jobs: every 10 minutes the sweeper gives job items that lost their task a new one, and checks
# open jobs nothing would finish (scheduledJobSweep; indexed queries, bounded per run).
resource "google_cloud_scheduler_job" "job_sweep" {
  name             = "job-sweep"
  schedule         = "*/10 * * * *"
  time_zone        = "Etc/UTC"
  region           = var.region
  attempt_deadline = "300s"
  http_target {
    http_method = "POST"
    uri         = "https://${var.region}-${var.project_id}.cloudfunctions.net/scheduledJobSweep"
    body        = base64encode("{}")
    headers     = { "Content-Type" = "application/json" }
    oidc_token {
      service_account_email = google_service_account.tasks.email
      audience              = "https://${var.region}-${var.project_id}.cloudfunctions.net/scheduledJobSweep"
    }
  }
}

# The token state (access/refresh token, client key/secret): new versions written by the token manager.
resource "google_secret_manager_secret" "somos_token_state" {
  secret_id = "provider-somos-token-state"
  replication {
    auto {}
  }
}

# Alert on three consecutive Somos auth failures (the token manager logs this at ERROR).
resource "google_logging_metric" "somos_auth_failures" {
  name   = "somos-auth-failures-consecutive"
  filter = "severity>=ERROR AND jsonPayload.message=\"somos.auth_failures_consecutive\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
  }
}
