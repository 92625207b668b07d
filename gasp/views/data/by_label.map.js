// Catalogued output of a campaign label: [label, data type, module, run, pass] ->
// [files, bytes], summed by the reduce for the label's totals.
function (doc) {
  if (doc.type !== 'data' || !doc.files) return;
  var bytes = 0;
  for (var i = 0; i < doc.files.length; i++) bytes += doc.files[i].size || 0;
  var labels = doc.labels || [];
  for (var j = 0; j < labels.length; j++) {
    emit([labels[j], doc.data_type, doc.module, doc.run, doc.pass], [doc.files.length, bytes]);
  }
}
