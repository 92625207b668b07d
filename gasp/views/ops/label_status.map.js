// Pass counts of a campaign label: [label, module, status, rat_version] -> 1, counted.
// `gasp summary --label` reads it grouped, never the documents.
function (doc) {
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    var labels = p.labels || doc.labels || [];
    for (var j = 0; j < labels.length; j++) {
      emit([labels[j], doc.module, p.status, p.rat_version], 1);
    }
  }
}
