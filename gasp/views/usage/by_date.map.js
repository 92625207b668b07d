// The usage documents of a day: [date, scope, storage element or site] -> null. A rerun
// finds what an earlier run of the day wrote, to update it (or zero it) in place.
function (doc) {
  if (doc.type !== 'usage') return;
  emit([doc.date, doc.scope, doc.scope === 'se' ? doc.se : doc.site], null);
}
