// Pass counts by run: [run, module, status, rat_version] -> 1, counted.
// `gasp summary --by run` reads it grouped (a run range is a key range), never the
// documents: the processing shift's board is one line per detector run.
function (doc) {
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    emit([doc.run, doc.module, p.status, p.rat_version], 1);
  }
}
