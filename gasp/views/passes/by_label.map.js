// Passes of a campaign label: [label, module, run, pass] -> status.
function (doc) {
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    var labels = p.labels || doc.labels || [];
    for (var j = 0; j < labels.length; j++) {
      emit([labels[j], doc.module, doc.run, p.pass], p.status);
    }
  }
}
