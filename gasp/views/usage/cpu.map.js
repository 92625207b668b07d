// What each site ran, by the UTC day its subjobs finished: [day, site] -> [cpu seconds,
// wall seconds, subjobs], summed. Keyed by day first, so one day is one key range.
function (doc) {
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    var site = p.lock ? p.lock.site : p.site;
    if (!site || !p.subjobs) continue;
    for (var j = 0; j < p.subjobs.length; j++) {
      var s = p.subjobs[j];
      if (typeof s.finished !== 'string') continue;
      emit([s.finished.substring(0, 10), site], [s.cpu_s || 0, s.wall_s || 0, 1]);
    }
  }
}
