// Complete runs only, by number: run -> run_type. The processing sensing loop reads it
// from just after the last run it handled (startkey), so it never sees incomplete runs.
function (doc) {
  if (doc.type !== 'run' || doc.complete !== true) return;
  emit(doc.run, doc.run_type);
}
