// Status counts: group_level 1 = by status, 2 = by status and module, 3 = and software version.
function (doc) {
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    emit([p.status, doc.module, p.rat_version], 1);
  }
}
