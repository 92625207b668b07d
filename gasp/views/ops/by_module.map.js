// Every pass by [module, run, pass] -> [status, rat_version, request, attempt, site].
// The operators' tools select passes from it (by module, run range, status) without
// reading a document; a selection by label or request starts elsewhere and is checked here.
function (doc) {
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    var site = p.lock ? p.lock.site : (p.site || null);
    emit([doc.module, doc.run, p.pass],
         [p.status, p.rat_version, p.request || null, p.attempt || 1, site]);
  }
}
