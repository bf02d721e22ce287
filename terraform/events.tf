# Pub/Sub-triggered functions, topics (with dead-letter topics) and Cloud Tasks queues, all from
# terraform/functions.json (generated from functions/endpoints.ts and shared/queue/queues.ts).
locals {
  event_functions = { for f in local.manifest.eventFunctions : f.name => f }
  queues          = { for q in local.manifest.queues : q.name => q }
  # Each event function's push endpoint and the audience of its pushes' OIDC token: the same URL the
  # code expects (pushTarget() in shared/auth/verify-push.ts: FUNCTIONS_BASE_URL/<name>).
  event_urls = { for name, f in local.event_functions : name => "${local.functions_base_url}/${name}" }
}

resource "google_pubsub_topic" "topics" {
  for_each = toset(local.manifest.topics)
  name     = each.value
}

# The identity of the push subscriptions' OIDC tokens, and nothing else: no function runs as it, so
# no function can mint its tokens. The event functions accept pushes from it alone
# (PUBSUB_PUSH_SERVICE_ACCOUNT), and only it may invoke them.
resource "google_service_account" "pubsub_push" {
  account_id   = "numbers-pubsub-push"
  display_name = "Identity of Pub/Sub push OIDC tokens"
}

resource "google_cloudfunctions2_function" "event" {
  for_each = local.event_functions
  name     = each.value.name
  location = var.region

  build_config {
    runtime     = "nodejs22"
    entry_point = each.value.entryPoint
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory      = each.value.memory
    timeout_seconds       = each.value.timeoutSeconds
    # As for the HTTP functions: the service account of its needs (iam.tf), the same environment.
    service_account_email = google_service_account.fn[each.value.serviceAccount].email
    environment_variables = local.function_env
    dynamic "secret_environment_variables" {
      for_each = each.value.secretEnv
      content {
        key        = secret_environment_variables.value.key
        project_id = var.project_id
        secret     = google_secret_manager_secret.function_secrets[secret_environment_variables.value.secret].secret_id
        version    = "latest"
      }
    }
  }
  depends_on = [google_secret_manager_secret_iam_member.fn_function_secrets]
}

# Each event function is fed by a push subscription of its own — as in the local stack — so its
# retry and dead-letter policy live in Terraform (Eventarc-managed subscriptions cannot carry one).
# The function is an HTTP target that reads the raw push itself: it first verifies the push's OIDC
# token (Google-signed, email = the push service account, audience = its own URL) and answers 401 to
# anything else. Cloud Run's invoker check (below) is the first lock; this is the second.
resource "google_pubsub_subscription" "push" {
  for_each             = local.event_functions
  name                 = "${each.key}-push"
  topic                = google_pubsub_topic.topics[each.value.topic].id
  ack_deadline_seconds = min(600, each.value.timeoutSeconds)
  push_config {
    push_endpoint = local.event_urls[each.key]
    oidc_token {
      service_account_email = google_service_account.pubsub_push.email
      audience              = local.event_urls[each.key]
    }
  }
  retry_policy {
    minimum_backoff = "5s"
    maximum_backoff = "300s"
  }
  dynamic "dead_letter_policy" {
    for_each = each.value.deadLetterTopic == null ? [] : [each.value.deadLetterTopic]
    content {
      dead_letter_topic     = google_pubsub_topic.topics[dead_letter_policy.value].id
      max_delivery_attempts = each.value.maxDeliveryAttempts
    }
  }
  depends_on = [google_cloudfunctions2_function.event, google_cloud_run_service_iam_member.events_invoker]
}

resource "google_cloud_run_service_iam_member" "events_invoker" {
  for_each = local.event_functions
  location = var.region
  service  = google_cloudfunctions2_function.event[each.key].service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.pubsub_push.email}"
}

# Pub/Sub's service agent signs the push tokens as the push service account.
resource "google_service_account_iam_member" "pubsub_signs_push_tokens" {
  service_account_id = google_service_account.pubsub_push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

# The Pub/Sub service agent forwards dead letters: it publishes to the dead-letter topics and
# acknowledges on the source subscriptions.
data "google_project" "this" {}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each     = { for name, f in local.event_functions : name => f if f.deadLetterTopic != null }
  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = toset([for f in local.manifest.eventFunctions : f.deadLetterTopic if f.deadLetterTopic != null])
  topic    = google_pubsub_topic.topics[each.value].name
  role     = "roles/pubsub.publisher"
  member   = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_cloud_tasks_queue" "queues" {
  for_each = local.queues
  name     = each.value.name
  location = var.region
  rate_limits {
    max_dispatches_per_second = each.value.maxDispatchesPerSecond
    max_concurrent_dispatches = each.value.maxConcurrentDispatches
  }
  retry_config {
    max_attempts = each.value.maxAttempts
    min_backoff  = each.value.minBackoff
    max_backoff  = each.value.maxBackoff
  }
}

# What the event functions may do (publish chunks, enqueue item tasks, read provider credentials and
# the Somos token) comes from their needs in functions/endpoints.ts, like every function: iam.tf.
