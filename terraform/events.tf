# Pub/Sub-triggered functions, topics (with dead-letter topics) and Cloud Tasks queues, all from
# terraform/functions.json (generated from functions/endpoints.ts and shared/queue/queues.ts).
locals {
  event_functions = { for f in local.manifest.eventFunctions : f.name => f }
  queues          = { for q in local.manifest.queues : q.name => q }
}

resource "google_pubsub_topic" "topics" {
  for_each = toset(local.manifest.topics)
  name     = each.value
}

resource "google_service_account" "events" {
  account_id   = "numbers-events"
  display_name = "Phone-number platform Pub/Sub functions"
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
    service_account_email = google_service_account.events.email
    environment_variables = {
      GOOGLE_CLOUD_PROJECT  = var.project_id
      PLATFORM_ENV          = "production"
      TASKS_LOCATION        = var.region
      TASKS_SERVICE_ACCOUNT = google_service_account.tasks.email
      FUNCTIONS_BASE_URL    = "https://${var.region}-${var.project_id}.cloudfunctions.net"
    }
  }

  event_trigger {
    trigger_region        = var.region
    event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
    pubsub_topic          = google_pubsub_topic.topics[each.value.topic].id
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.events.email
  }
}

# Eventarc creates the push subscription; dead-lettering is set on it after creation:
#   gcloud pubsub subscriptions update <eventarc-subscription> --dead-letter-topic=<deadLetterTopic>
#     --max-delivery-attempts=<maxDeliveryAttempts>
# (the Google provider exposes no dead-letter setting on Eventarc-managed subscriptions).
# The Pub/Sub service agent must be able to publish to the dead-letter topics:
data "google_project" "this" {}

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

resource "google_project_iam_member" "events_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.events.email}"
}

resource "google_project_iam_member" "events_enqueue" {
  project = var.project_id
  role    = "roles/cloudtasks.enqueuer"
  member  = "serviceAccount:${google_service_account.events.email}"
}

resource "google_project_iam_member" "api_publishes" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${google_service_account.api.email}"
}

resource "google_service_account_iam_member" "events_act_as_tasks" {
  service_account_id = google_service_account.tasks.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.events.email}"
}
