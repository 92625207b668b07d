// Passes a site has held: [site, status, module, run, pass] -> [client, token, attempt].
// 'site' stays on a pass after its lock is released, so a site's finished work shows too.
function (doc) {
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    var site = p.lock ? p.lock.site : p.site;
    if (site) {
      emit([site, p.status, doc.module, doc.run, p.pass],
           [p.lock ? p.lock.client : null, p.lock ? p.lock.token : null, p.attempt || 1]);
    }
  }
}
