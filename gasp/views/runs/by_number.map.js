// Every run by number: run -> [run_type, complete, number of subruns]. Lists runs in order
// (gasp runs list, --block) without loading their file lists.
function (doc) {
  if (doc.type !== 'run') return;
  emit(doc.run, [doc.run_type, doc.complete === true, doc.subruns ? doc.subruns.length : 0]);
}
