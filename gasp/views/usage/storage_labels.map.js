// The same by campaign label: [se, kind, label] -> [files, bytes], summed; label null for
// a file without one. A file with two labels counts under both.
function (doc) {
  if (doc.type !== 'data' || !doc.files) return;
  var labels = doc.labels && doc.labels.length ? doc.labels : [null];
  for (var i = 0; i < doc.files.length; i++) {
    var file = doc.files[i];
    var replicas = file.replicas || [];
    for (var j = 0; j < replicas.length; j++) {
      if (replicas[j].status !== 'ok') continue;
      for (var k = 0; k < labels.length; k++) {
        emit([replicas[j].se, doc.kind, labels[k]], [1, file.size || 0]);
      }
    }
  }
}
