// How many passes a site holds in each status: [site, status] -> count (hot path of the
// client's capacity check, so it does not read any document).
function (doc) {
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    if (p.lock && p.lock.site) emit([p.lock.site, p.status], 1);
  }
}
