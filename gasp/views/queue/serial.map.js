// Queue policy --serial: in order of creation.
function (doc) {
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    if (p.status === 'waiting') {
      emit([p.created || '', doc.run, doc.module, p.pass], [p.rat_version, p.attempt || 1]);
    }
  }
}
