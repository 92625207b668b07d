// Jobs of a module by run number: [module, run] -> number of passes. Read descending to
// find the highest run a module has used, where generic run numbers continue.
function (doc) {
  if (doc.type !== 'job') return;
  emit([doc.module, doc.run], doc.passes ? doc.passes.length : 0);
}
