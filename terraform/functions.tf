# One gen2 function per row of the endpoint table. functions.json is generated from
# functions/endpoints.ts (`npm run generate`); a unit test fails when it drifts.
locals {
  manifest  = jsondecode(file("${path.module}/functions.json"))
  functions = { for f in local.manifest.functions : f.name => f }

  functions_base_url = "https://${var.region}-${var.project_id}.cloudfunctions.net"
  # Where callers and providers reach the API: the gateway (or var.public_base_url in front of it).
  public_base_url = var.public_base_url != "" ? var.public_base_url : "https://${google_api_gateway_gateway.numbers.default_hostname}"

  # Every function's environment (HTTP and Pub/Sub alike): every setting of shared/config.ts that
  # production sets (test/unit/terraform.test.ts keeps this list complete). "" means unset.
  # Secrets are not here: see each function's secret_environment_variables (functions.json secretEnv).
  function_env = {
    GOOGLE_CLOUD_PROJECT  = var.project_id
    PLATFORM_ENV          = "production"
    TASKS_LOCATION        = var.region
    TASKS_SERVICE_ACCOUNT = google_service_account.tasks.email
    FUNCTIONS_BASE_URL    = local.functions_base_url
    PUBLIC_BASE_URL       = local.public_base_url
    # The only identity whose push token the event functions accept (the push subscriptions' oidc_token).
    PUBSUB_PUSH_SERVICE_ACCOUNT = google_service_account.pubsub_push.email
    # Only API Gateway may invoke the public functions: the caller's token is in X-Forwarded-Authorization.
    AUTH_VIA_GATEWAY              = "true"
    AUTH_PROJECT_ID               = var.auth_project_id
    TELNYX_PUBLIC_KEY             = var.telnyx_public_key
    SOMOS_DEFAULT_RESPORG_ID      = var.somos_default_resporg_id
    SOMOS_ENTITY_ID               = var.somos_entity_id
    SOMOS_SIP_GATEWAY_NUMBER      = var.somos_sip_gateway_number
    SOMOS_DEFAULT_DISASTER_NUMBER = var.somos_default_disaster_number
    SOMOS_DEFAULT_CARRIERS        = var.somos_default_carriers
    SOMOS_TSS_BASE_URL            = var.somos_tss_base_url
    VAPI_ALLOW_FREE_NUMBERS       = var.vapi_allow_free_numbers ? "true" : "false"
    ACCOUNT_POLICY_DEFAULT        = var.account_policy_default
    CORS_ORIGINS                  = join(",", var.cors_origins)
    PROVIDER_RATE_LIMIT_TWILIO    = lookup(var.provider_rate_limits, "twilio", "")
    PROVIDER_RATE_LIMIT_PLIVO     = lookup(var.provider_rate_limits, "plivo", "")
    PROVIDER_RATE_LIMIT_VONAGE    = lookup(var.provider_rate_limits, "vonage", "")
    PROVIDER_RATE_LIMIT_TELNYX    = lookup(var.provider_rate_limits, "telnyx", "")
    # Filled by the build's gcp-build step (scripts/warm-compile-cache.mjs): compiled code for a cold start.
    NODE_COMPILE_CACHE = "/workspace/.compile-cache"
  }
}

resource "google_storage_bucket" "source" {
  name                        = "${var.project_id}-functions-source"
  location                    = var.region
  uniform_bucket_level_access = true
}

# One archive for every function: the deployable source (var.source_dir, dist/deploy). Its package.json's
# main is a dispatcher that loads the bundle of the function's entry point only (FUNCTION_TARGET, which
# Cloud Functions sets to build_config.entry_point): each function starts from its own entry
# (functions/entries/<name>.ts) and never loads the endpoint table.
data "archive_file" "source" {
  type        = "zip"
  source_dir  = var.source_dir
  output_path = "${path.module}/.build/source.zip"
  excludes    = [".compile-cache", "node_modules"]
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
    # One service account per set of needs (iam.tf), named in functions.json from the endpoint table.
    service_account_email = google_service_account.fn[each.value.serviceAccount].email
    environment_variables = local.function_env
    # Secrets the function reads from its environment (functions.json secretEnv: SOMOS_NOTIFICATION_SECRET
    # for the Somos notification webhooks); the values live in Secret Manager only.
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
  # A secret environment variable needs its secret readable (and a version in it) when the revision is created.
  depends_on = [google_secret_manager_secret_iam_member.fn_function_secrets]
}

# Gateway-only ingress: every public route (and provider webhook) reaches its function through API
# Gateway, whose service account is the function's only invoker; nobody calls a function directly.
# The gateway sends its own ID token (jwt_audience = the function's URL); the caller's Firebase token
# travels in X-Forwarded-Authorization and is verified by the function (AUTH_VIA_GATEWAY).
resource "google_cloud_run_service_iam_member" "gateway_invoker" {
  for_each = { for name, f in local.functions : name => f if f.access != "task" }
  location = var.region
  # The Cloud Run service behind the function (its name is not the function's: numbersList → numberslist).
  service = google_cloudfunctions2_function.http[each.key].service_config[0].service
  role    = "roles/run.invoker"
  member  = "serviceAccount:${google_service_account.gateway.email}"
}

# Internal task targets: only Cloud Tasks' service account may invoke them, directly, not through the
# gateway (the function checks its OIDC token too). Cloud Scheduler's jobs use the same account.
resource "google_cloud_run_service_iam_member" "tasks_invoker" {
  for_each = { for name, f in local.functions : name => f if f.access == "task" }
  location = var.region
  service  = google_cloudfunctions2_function.http[each.key].service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.tasks.email}"
}

output "function_urls" {
  value = { for name, f in google_cloudfunctions2_function.http : name => f.service_config[0].uri }
}
