// The status board of one software version: [version, module, status], counted.
function (doc) {
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    emit([p.rat_version, doc.module, p.status], 1);
  }
}
