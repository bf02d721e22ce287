terraform {
  required_version = ">= 1.6"
  required_providers {
    google      = { source = "hashicorp/google", version = ">= 6.0" }
    google-beta = { source = "hashicorp/google-beta", version = ">= 6.0" }
    archive     = { source = "hashicorp/archive", version = ">= 2.4" }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}

variable "project_id" {
  description = "The Google Cloud project everything is deployed to (GOOGLE_CLOUD_PROJECT)."
  type        = string
}
variable "region" {
  description = "Region of the functions, queues, scheduler jobs, gateway and Firestore database (TASKS_LOCATION)."
  type        = string
  default     = "us-central1"
}
variable "source_dir" {
  description = "The deployable source `npm run build` writes (scripts/build-functions.ts): package.json (main index.mjs: runs fn/<FUNCTION_TARGET>-<hash>.cjs only), package-lock.json, one bundle per function, gcp-build's script"
  type        = string
  default     = "../dist/deploy"
}
variable "min_instances" {
  description = "Per-function min instances override for hot paths, e.g. { numbersSearchAvailable = 1 }"
  type        = map(number)
  default     = {}
}

# ---- Function settings (shared/config.ts). Every function gets the same environment: local.function_env
# in functions.tf. A setting left "" is unset for the code (parseConfig treats "" as absent), and the
# endpoints that need it answer 503 naming it. Secrets are not variables: they are Secret Manager
# secrets (platform.tf), handed to the functions that need them as secret environment variables.

variable "public_base_url" {
  description = "Public origin of the API, if not the API Gateway's own hostname (e.g. a custom domain in front of it). Providers sign the URLs they call on it (PUBLIC_BASE_URL). Empty: https://<gateway default hostname>."
  type        = string
  default     = ""
  validation {
    condition     = var.public_base_url == "" || can(regex("^https://[^/]+$", var.public_base_url))
    error_message = "public_base_url must be https://host, without a path."
  }
}

variable "auth_project_id" {
  description = "Firebase project whose ID tokens are accepted (AUTH_PROJECT_ID), if not project_id."
  type        = string
  default     = ""
}

variable "telnyx_public_key" {
  description = "Telnyx's webhook public key (Ed25519, base64, from the Telnyx portal) that verifies /webhooks/telnyx and /webhooks/telnyx/inbound (TELNYX_PUBLIC_KEY). A public key, not a secret. Empty: both answer 503."
  type        = string
  default     = ""
  validation {
    condition     = var.telnyx_public_key == "" || can(regex("^[A-Za-z0-9+/]{43}=$", var.telnyx_public_key))
    error_message = "telnyx_public_key must be the 44-character base64 Ed25519 public key from the Telnyx portal."
  }
}

variable "somos_default_resporg_id" {
  description = "RespOrg unit (ROID, 5 capitals/digits) of tenants without their own respOrgId (SOMOS_DEFAULT_RESPORG_ID). Empty: toll-free endpoints answer 503 for such tenants."
  type        = string
  default     = ""
  validation {
    condition     = var.somos_default_resporg_id == "" || can(regex("^[A-Z0-9]{5}$", var.somos_default_resporg_id))
    error_message = "somos_default_resporg_id must be a 5-character RespOrg unit id (capitals and digits)."
  }
}

variable "somos_entity_id" {
  description = "RespOrg entity (2 characters) of tenants without their own somosEntityId (SOMOS_ENTITY_ID). Empty: the first 2 characters of the default unit."
  type        = string
  default     = ""
  validation {
    condition     = var.somos_entity_id == "" || can(regex("^[A-Z0-9]{2}$", var.somos_entity_id))
    error_message = "somos_entity_id must be a 2-character RespOrg entity id."
  }
}

variable "somos_sip_gateway_number" {
  description = "E.164 number that reaches the carrier's SBC: SIP destinations are routed to it in the registry (SOMOS_SIP_GATEWAY_NUMBER). Empty: SIP routing answers 503."
  type        = string
  default     = ""
  validation {
    condition     = var.somos_sip_gateway_number == "" || can(regex("^\\+1[2-9][0-9]{2}[2-9][0-9]{6}$", var.somos_sip_gateway_number))
    error_message = "somos_sip_gateway_number must be an E.164 North American number (+1 then 10 digits)."
  }
}

variable "somos_default_disaster_number" {
  description = "E.164 PSTN fallback of every toll-free number whose routing names no disaster destination (SOMOS_DEFAULT_DISASTER_NUMBER)."
  type        = string
  default     = ""
  validation {
    condition     = var.somos_default_disaster_number == "" || can(regex("^\\+1[2-9][0-9]{2}[2-9][0-9]{6}$", var.somos_default_disaster_number))
    error_message = "somos_default_disaster_number must be an E.164 North American number (+1 then 10 digits)."
  }
}

variable "somos_default_carriers" {
  description = "Carrier identification codes (4 digits, comma-separated) sent as interLATA and intraLATA carriers in the customer record of every tenant that sets none of its own (SOMOS_DEFAULT_CARRIERS). Empty: such tenants must set tollfreeCarriers or pass carriers."
  type        = string
  default     = ""
  validation {
    condition     = var.somos_default_carriers == "" || can(regex("^[0-9]{4}(,[0-9]{4}){0,9}$", var.somos_default_carriers))
    error_message = "somos_default_carriers must be 1-10 four-digit CICs, comma-separated."
  }
}

variable "somos_tss_base_url" {
  description = "Text-enablement (TSS) API base (SOMOS_TSS_BASE_URL). Its real API is not public; only the sandbox implements the interface. Empty: the toll-free SMS endpoints answer 503."
  type        = string
  default     = ""
  validation {
    condition     = var.somos_tss_base_url == "" || can(regex("^https://", var.somos_tss_base_url))
    error_message = "somos_tss_base_url must be an https URL."
  }
}

variable "vapi_allow_free_numbers" {
  description = "Whether tenants may take free Vapi numbers from the platform's Vapi org (VAPI_ALLOW_FREE_NUMBERS; capped per tenant by LIMIT_FREE_VAPI_NUMBERS)."
  type        = bool
  default     = false
}

variable "provider_rate_limits" {
  description = "Each provider account's API rate limit in requests per second (PROVIDER_RATE_LIMIT_<PROVIDER>): calls to one account are paced at 97 % of it. Keys twilio, plivo, vonage, telnyx; a provider left out is not paced."
  type        = map(string)
  default     = {}
  validation {
    condition     = alltrue([for k, v in var.provider_rate_limits : contains(["twilio", "plivo", "vonage", "telnyx"], k) && can(regex("^[0-9]+(\\.[0-9]+)?$", v)) && tonumber(v) > 0 && tonumber(v) <= 10000])
    error_message = "provider_rate_limits: keys twilio, plivo, vonage or telnyx; values in (0, 10000] requests per second, e.g. { twilio = \"100\" }."
  }
}

variable "account_policy_default" {
  description = "Whose account buys a tenant's numbers when it has none of its own for the provider (ACCOUNT_POLICY_DEFAULT): platform (the operator's account) or own-only (409 no_account). A tenant's own accountPolicy wins. Empty: platform."
  type        = string
  default     = ""
  validation {
    condition     = contains(["", "platform", "own-only"], var.account_policy_default)
    error_message = "account_policy_default must be platform or own-only (or empty)."
  }
}

variable "cors_origins" {
  description = "Browser origins allowed to call the API (CORS_ORIGINS), e.g. [\"https://console.example.com\"]. Empty: no CORS headers at all."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for o in var.cors_origins : can(regex("^https://[^/]+$", o))])
    error_message = "cors_origins must be https origins (scheme://host[:port], no path)."
  }
}

variable "firestore_backup_retention_days" {
  description = "How long each daily Firestore backup is kept (at most 14 weeks)."
  type        = number
  default     = 14
  validation {
    condition     = var.firestore_backup_retention_days >= 1 && var.firestore_backup_retention_days <= 98
    error_message = "firestore_backup_retention_days must be between 1 and 98."
  }
}
