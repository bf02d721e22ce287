# Who each function runs as, and what it may do. One service account per distinct set of needs
# (functions.json serviceAccounts), from the `needs` of each row of functions/endpoints.ts
# (vocabulary: shared/api/iam.ts); each account gets exactly the roles its needs imply, below, and
# every account reads and writes Firestore. test/unit/terraform.test.ts checks this need → role map.
locals {
  fn_accounts = { for a in local.manifest.serviceAccounts : a.accountId => a }
  # need → the accounts that have it, e.g. local.fn_needing["tasks:enqueue"].
  fn_needing = {
    for need in ["secrets:read-provider", "secrets:read-tenant", "secrets:write-tenant", "somos", "secrets:somos-notification", "tasks:enqueue", "pubsub:publish"] :
    need => [for a in local.manifest.serviceAccounts : a.accountId if contains(a.needs, need)]
  }
  # The providers whose platform credentials secrets:read-provider reads (Somos has its own need).
  number_providers = ["twilio", "plivo", "vonage", "telnyx", "vapi"]
  # Tenant secrets (tenant-<tenant>-<provider>-<id>, tenant-<tenant>-signing) are created at runtime,
  # so there is no secret to bind to: their grants are project-level with a condition on the name.
  # IAM conditions see Secret Manager names with the project NUMBER.
  tenant_secrets = "projects/${data.google_project.this.number}/secrets/tenant-"
}

resource "google_service_account" "fn" {
  for_each     = local.fn_accounts
  account_id   = each.key
  display_name = "numbers functions: ${length(each.value.needs) > 0 ? join(", ", each.value.needs) : "Firestore only"}"
}

# Every function: Firestore (no narrower role than the database exists).
resource "google_project_iam_member" "fn_firestore" {
  for_each = local.fn_accounts
  project  = var.project_id
  role     = "roles/datastore.user"
  member   = "serviceAccount:${google_service_account.fn[each.key].email}"
}

# secrets:read-provider: the platform's number-provider credentials, secret by secret.
resource "google_secret_manager_secret_iam_member" "fn_read_platform_provider" {
  for_each = {
    for pair in flatten([for a in local.fn_needing["secrets:read-provider"] : [for p in local.number_providers : { account = a, provider = p }]]) :
    "${pair.account}/${pair.provider}" => pair
  }
  secret_id = google_secret_manager_secret.platform_provider[each.value.provider].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.fn[each.value.account].email}"
}

# secrets:read-provider (tenants' own provider accounts) and secrets:read-tenant (signing secrets):
# reading tenant-* secrets only.
resource "google_project_iam_member" "fn_read_tenant_secrets" {
  for_each = toset(distinct(concat(local.fn_needing["secrets:read-provider"], local.fn_needing["secrets:read-tenant"])))
  project  = var.project_id
  role     = "roles/secretmanager.secretAccessor"
  member   = "serviceAccount:${google_service_account.fn[each.key].email}"
  condition {
    title       = "tenant-secrets-only"
    description = "Read tenant-* secrets (tenants' provider accounts and signing secrets)"
    expression  = "resource.name.startsWith(\"${local.tenant_secrets}\")"
  }
}

# secrets:write-tenant: create a tenant's secret, add its versions, disable the old ones (credential
# rotation), delete it — nothing else (no IAM policy changes, no reading: that is secrets:read-*).
# Creation is checked on the project, whose name says nothing of the new secret's: that one
# permission cannot be limited to tenant-* names.
resource "google_project_iam_custom_role" "tenant_secret_writer" {
  role_id     = "numbersTenantSecretWriter"
  title       = "numbers: tenant secret writer"
  description = "Create tenant-* secrets, add and disable their versions, delete them (provider accounts, signing secrets)"
  permissions = [
    "secretmanager.secrets.create",
    "secretmanager.secrets.get",
    "secretmanager.secrets.delete",
    "secretmanager.versions.add",
    "secretmanager.versions.list",
    "secretmanager.versions.disable",
  ]
}

resource "google_project_iam_member" "fn_write_tenant_secrets" {
  for_each = toset(local.fn_needing["secrets:write-tenant"])
  project  = var.project_id
  role     = google_project_iam_custom_role.tenant_secret_writer.id
  member   = "serviceAccount:${google_service_account.fn[each.key].email}"
  condition {
    title       = "tenant-secrets-only"
    description = "tenant-* secrets; creating one is checked on the project"
    expression  = "resource.name.startsWith(\"${local.tenant_secrets}\") || resource.type == \"cloudresourcemanager.googleapis.com/Project\""
  }
}

# somos: the registry credentials, and the token state the token manager reads, renews (a new
# version) and prunes (destroys old versions) — whichever instance holds the lease does it.
resource "google_secret_manager_secret_iam_member" "fn_read_somos_credentials" {
  for_each  = toset(local.fn_needing["somos"])
  secret_id = google_secret_manager_secret.platform_provider["somos"].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.fn[each.key].email}"
}

resource "google_secret_manager_secret_iam_member" "fn_somos_token_state" {
  for_each = {
    for pair in flatten([for a in local.fn_needing["somos"] : [for r in ["roles/secretmanager.secretAccessor", "roles/secretmanager.secretVersionManager"] : { account = a, role = r }]]) :
    "${pair.account}/${pair.role}" => pair
  }
  secret_id = google_secret_manager_secret.somos_token_state.id
  role      = each.value.role
  member    = "serviceAccount:${google_service_account.fn[each.value.account].email}"
}

# secrets:somos-notification (and any secret environment variable): each secret, to the accounts of
# the functions that get it (functions.json secretEnv).
resource "google_secret_manager_secret_iam_member" "fn_function_secrets" {
  for_each = {
    for pair in distinct(flatten([
      for f in concat(local.manifest.functions, local.manifest.eventFunctions) : [for s in f.secretEnv : { account = f.serviceAccount, secret = s.secret }]
    ])) : "${pair.account}/${pair.secret}" => pair
  }
  secret_id = google_secret_manager_secret.function_secrets[each.value.secret].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.fn[each.value.account].email}"
}

# tasks:enqueue: create Cloud Tasks whose OIDC token is the tasks service account's (acting as it).
resource "google_project_iam_member" "fn_enqueue_tasks" {
  for_each = toset(local.fn_needing["tasks:enqueue"])
  project  = var.project_id
  role     = "roles/cloudtasks.enqueuer"
  member   = "serviceAccount:${google_service_account.fn[each.key].email}"
}

resource "google_service_account_iam_member" "fn_act_as_tasks" {
  for_each           = toset(local.fn_needing["tasks:enqueue"])
  service_account_id = google_service_account.tasks.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.fn[each.key].email}"
}

# pubsub:publish: bulk-job chunks, to the one topic the code publishes to (JOB_TOPIC).
resource "google_pubsub_topic_iam_member" "fn_publish_chunks" {
  for_each = toset(local.fn_needing["pubsub:publish"])
  topic    = google_pubsub_topic.topics["jobs-chunks"].name
  role     = "roles/pubsub.publisher"
  member   = "serviceAccount:${google_service_account.fn[each.key].email}"
}
