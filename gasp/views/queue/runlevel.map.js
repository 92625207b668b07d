// Queue policy --runlevel: smaller run numbers first.
function (doc) {
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    if (p.status === 'waiting') {
      emit([doc.run, doc.module, p.pass], [p.rat_version, p.attempt || 1]);
    }
  }
}
