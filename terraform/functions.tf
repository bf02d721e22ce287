# One gen2 function per row of the endpoint table. functions.json is generated from
# functions/endpoints.ts (`npm run generate`); a unit test fails when it drifts.
locals {
  manifest  = jsondecode(file("${path.module}/functions.json"))
  functions = { for f in local.manifest.functions : f.name => f }
}

resource "google_service_account" "api" {
  account_id   = "numbers-api"
  display_name = "Phone-number platform HTTPS functions"
}

resource "google_storage_bucket" "source" {
  name                        = "${var.project_id}-functions-source"
  location                    = var.region
  uniform_bucket_level_access = true
}

data "archive_file" "source" {
  type        = "zip"
  source_dir  = var.source_dir
  output_path = "${path.module}/.build/source.zip"
  excludes    = [".git", ".local", ".compile-cache", "node_modules", "terraform", "test", "bench", "coverage"]
}

resource "google_storage_bucket_object" "source" {
  name   = "source-${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.source.output_path
}

resource "google_cloudfunctions2_function" "http" {
  for_each = local.functions
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
    min_instance_count    = lookup(var.min_instances, each.key, each.value.minInstances)
    max_instance_count    = each.value.maxInstances
    service_account_email = google_service_account.api.email
    environment_variables = {
      GOOGLE_CLOUD_PROJECT  = var.project_id
      PLATFORM_ENV          = "production"
      TASKS_LOCATION        = var.region
      TASKS_SERVICE_ACCOUNT = google_service_account.tasks.email
      FUNCTIONS_BASE_URL    = "https://${var.region}-${var.project_id}.cloudfunctions.net"
      # Required in production by every function's configuration (only the event functions check pushes).
      PUBSUB_PUSH_SERVICE_ACCOUNT = google_service_account.pubsub_push.email
      # Filled by the build's gcp-build step (scripts/warm-compile-cache.mjs): compiled code for a cold start.
      NODE_COMPILE_CACHE = "/workspace/.compile-cache"
    }
  }
}

# Public HTTPS endpoints: the functions verify Firebase ID tokens themselves.
resource "google_cloud_run_service_iam_member" "public" {
  for_each = { for name, f in local.functions : name => f if f.access != "task" }
  location = var.region
  service  = google_cloudfunctions2_function.http[each.key].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# Internal task targets: only Cloud Tasks' service account may invoke them (the function checks its OIDC token too).
resource "google_cloud_run_service_iam_member" "tasks_invoker" {
  for_each = { for name, f in local.functions : name => f if f.access == "task" }
  location = var.region
  service  = google_cloudfunctions2_function.http[each.key].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.tasks.email}"
}

output "function_urls" {
  value = { for name, f in google_cloudfunctions2_function.http : name => f.service_config[0].uri }
}
