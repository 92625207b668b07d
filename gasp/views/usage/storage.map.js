// What each storage element holds, from the data documents' replicas with status ok:
// [se, kind] -> [files, bytes], summed. `gasp usage` reads it grouped, never the documents.
function (doc) {
  if (doc.type !== 'data' || !doc.files) return;
  for (var i = 0; i < doc.files.length; i++) {
    var file = doc.files[i];
    var replicas = file.replicas || [];
    for (var j = 0; j < replicas.length; j++) {
      if (replicas[j].status === 'ok') emit([replicas[j].se, doc.kind], [1, file.size || 0]);
    }
  }
}
