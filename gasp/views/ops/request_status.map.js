// Pass counts of a request: [request, module, status, rat_version] -> 1, counted.
// `gasp summary --request` and `gasp requests list` read it grouped, never the documents.
function (doc) {
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    if (p.request) emit([p.request, doc.module, p.status, p.rat_version], 1);
  }
}
