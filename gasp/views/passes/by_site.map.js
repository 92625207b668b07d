// Passes held by a site: [site, status, module, run, pass] -> [client, token, attempt].
function (doc) {
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    if (p.lock && p.lock.site) {
      emit([p.lock.site, p.status, doc.module, doc.run, p.pass],
           [p.lock.client, p.lock.token, p.attempt || 1]);
    }
  }
}
