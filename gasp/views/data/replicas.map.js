// Every replica of every catalogued file: [se, lfn] -> [url, size, adler32, status, subrun].
// gasp validate reads a storage element's catalogued files from it, and tells whether a file
// found on the element is catalogued, without reading a data document.
function (doc) {
  if (doc.type !== 'data' || !doc.files) return;
  for (var i = 0; i < doc.files.length; i++) {
    var f = doc.files[i];
    var replicas = f.replicas || [];
    for (var j = 0; j < replicas.length; j++) {
      var r = replicas[j];
      emit([r.se, f.lfn], [r.url, f.size, f.adler32, r.status, f.subrun]);
    }
  }
}
