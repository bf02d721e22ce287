# Composite indexes, from the same firestore.indexes.json the Firebase CLI reads.
locals {
  firestore_indexes = jsondecode(file("${path.module}/../firestore.indexes.json")).indexes
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
