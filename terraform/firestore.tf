# Indexes, single-field overrides, TTL policies and backups of the Firestore database. Indexes and
# overrides come from the same firestore.indexes.json the Firebase CLI and the emulator read.
locals {
  firestore_config    = jsondecode(file("${path.module}/../firestore.indexes.json"))
  firestore_indexes   = local.firestore_config.indexes
  firestore_overrides = { for o in local.firestore_config.fieldOverrides : "${o.collectionGroup}.${o.fieldPath}" => o }
}

resource "google_firestore_index" "composite" {
  for_each    = { for i, index in local.firestore_indexes : i => index }
  database    = google_firestore_database.default.name
  collection  = each.value.collectionGroup
  query_scope = each.value.queryScope
  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value.fieldPath
      order        = lookup(fields.value, "order", null)
      array_config = lookup(fields.value, "arrayConfig", null)
    }
  }
}

# fieldOverrides: single-field indexes beyond the defaults, e.g. collection-group scope for
# collectionGroup('numbers').where('orderId', '==', …) (the Telnyx order webhook). An override lists
# every index the field keeps (the collection-scope one too).
resource "google_firestore_field" "overrides" {
  for_each   = local.firestore_overrides
  database   = google_firestore_database.default.name
  collection = each.value.collectionGroup
  field      = each.value.fieldPath
  index_config {
    dynamic "indexes" {
      for_each = each.value.indexes
      content {
        query_scope  = lookup(indexes.value, "queryScope", "COLLECTION")
        order        = lookup(indexes.value, "order", null)
        array_config = lookup(indexes.value, "arrayConfig", null)
      }
    }
  }
}

# TTL policies: Firestore deletes a document (within about a day) once the Timestamp in its TTL field
# has passed; a field that is not a Timestamp is ignored. The fields are never queried, so they are not
# indexed (an ever-increasing timestamp index is a write hot spot).
locals {
  ttl_fields = {
    # Idempotency keys: 24 h (shared/store/idempotency-store.ts).
    idempotencyKeys = "expiresAt"
    # Provider webhook records (de-duplication): 30 days (webhookEventExpiry, shared/store/firestore.ts).
    webhookEvents = "expiresAt"
    # The Somos search cache, platform/somosSearchCache/entries/{key}: 5 minutes. (The requirements
    # cache shares the collection id `entries` but has no expiresAt: TTL leaves it alone.)
    entries = "expiresAt"
  }
}

resource "google_firestore_field" "ttl" {
  for_each   = local.ttl_fields
  database   = google_firestore_database.default.name
  collection = each.key
  field      = each.value
  ttl_config {}
  index_config {}
}

moved {
  from = google_firestore_field.idempotency_ttl
  to   = google_firestore_field.ttl["idempotencyKeys"]
}

# Daily backups, kept var.firestore_backup_retention_days (point-in-time recovery covers the last 7
# days: platform.tf). Restore: gcloud firestore databases restore --source-backup=… --destination-database=….
resource "google_firestore_backup_schedule" "daily" {
  database  = google_firestore_database.default.name
  retention = "${var.firestore_backup_retention_days * 24 * 60 * 60}s"
  daily_recurrence {}
}
