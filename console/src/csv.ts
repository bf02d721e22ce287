/** A small CSV reader for bulk-job uploads: a header row, commas, double-quoted fields ("" inside quotes). */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f.trim() !== '')) rows.push(row);
      (row = []), (field = '');
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f.trim() !== '')) rows.push(row);
  const [header, ...data] = rows;
  if (!header) return [];
  const names = header.map((h) => h.trim());
  return data.map((r) => Object.fromEntries(names.map((n, i) => [n, (r[i] ?? '').trim()]).filter(([, v]) => v !== '')));
}

/** A CSV row as a job item: `tags` split on ; or |, everything else as given. */
export function csvItem(row: Record<string, string>): Record<string, unknown> {
  const item: Record<string, unknown> = { ...row };
  if (typeof row.tags === 'string') item.tags = row.tags.split(/[;|]/).map((t) => t.trim()).filter(Boolean);
  return item;
}
