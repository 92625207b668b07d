// Passes still to be released by their prerequisites (new, or unsatisfied), keyed by the
// prerequisite pass they wait on: [prerequisite module, run, prerequisite pass] ->
// [module, pass, status]. The client asks it for the passes it has just finished only.
function (doc) {
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    if (p.status !== 'new' && p.status !== 'unsatisfied') continue;
    var prerequisites = p.prerequisites || [];
    for (var j = 0; j < prerequisites.length; j++) {
      emit([prerequisites[j].module, doc.run, prerequisites[j].pass], [doc.module, p.pass, p.status]);
    }
  }
}
