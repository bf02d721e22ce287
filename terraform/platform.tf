# Data, secrets and queues the functions use.

resource "google_firestore_database" "default" {
  name        = "(default)"
  location_id = var.region
  type        = "FIRESTORE_NATIVE"
}

# Idempotency keys expire after 24 h.
resource "google_firestore_field" "idempotency_ttl" {
  database   = google_firestore_database.default.name
  collection = "idempotencyKeys"
  field      = "expiresAt"
  ttl_config {}
}

resource "google_project_iam_member" "api_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.api.email}"
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

resource "google_secret_manager_secret_iam_member" "api_reads_platform_provider" {
  for_each  = google_secret_manager_secret.platform_provider
  secret_id = each.value.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.api.email}"
}

# Cloud Tasks queues are declared in events.tf from the generated manifest.
resource "google_service_account" "tasks" {
  account_id   = "numbers-tasks"
  display_name = "Identity of Cloud Tasks OIDC tokens"
}

resource "google_project_iam_member" "api_enqueues_tasks" {
  project = var.project_id
  role    = "roles/cloudtasks.enqueuer"
  member  = "serviceAccount:${google_service_account.api.email}"
}

resource "google_service_account_iam_member" "api_acts_as_tasks" {
  service_account_id = google_service_account.tasks.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.api.email}"
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

# Tenant-owned provider accounts: one secret per account, created and deleted by the API.
resource "google_project_iam_member" "api_manages_tenant_secrets" {
  project = var.project_id
  role    = "roles/secretmanager.admin"
  member  = "serviceAccount:${google_service_account.api.email}"
  condition {
    title      = "tenant-secrets-only"
    expression = "resource.name.extract('secrets/{name}/').startsWith('tenant-') || resource.type == 'secretmanager.googleapis.com/Project'"
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

resource "google_secret_manager_secret_iam_member" "api_reads_somos_state" {
  for_each  = toset(["roles/secretmanager.secretAccessor", "roles/secretmanager.secretVersionAdder"])
  secret_id = google_secret_manager_secret.somos_token_state.id
  role      = each.value
  member    = "serviceAccount:${google_service_account.api.email}"
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
