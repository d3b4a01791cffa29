// Keyboard shortcuts for the review workspace. Keys act only when no field has focus
// (Escape leaves a field), so typing a term never triggers a decision.
(function () {
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function focusField(id, select) {
    var field = document.getElementById(id);
    if (!field) return false;
    field.focus();
    if (select && field.select) field.select();
    return true;
  }
  function submit(id, focusId) {
    var form = document.getElementById(id);
    if (!form) return false;
    var field = focusId && document.getElementById(focusId);
    if (field && field.required && !field.value) { field.focus(); return true; }
    form.requestSubmit();
    return true;
  }
  function follow(key) {
    var a = document.querySelector('a[data-key="' + key + '"]');
    if (a) { window.location.href = a.href; return true; }
    return false;
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "Escape" && typing(document.activeElement)) { document.activeElement.blur(); return; }
    if (typing(document.activeElement)) return;
    var done = false;
    switch (ev.key) {
      // No proposal to approve ("formulering nodig"): "a" goes to the term to write instead.
      case "a": done = submit("f-approve", "approve-reason") || focusField("edit-term", true); break;
      case "e": done = focusField("edit-term", true); break;
      case "o": done = focusField("keep-reason"); break;
      case "r": done = focusField("reject-reason"); break;
      case "d": done = submit("f-defer"); break;
      case "u": done = submit("f-undo"); break;
      case "j": done = follow("j"); break;
      case "k": done = follow("k"); break;
      case "/": var s = document.querySelector("[data-search]"); if (s) { s.focus(); done = true; } else { window.location.href = "/?focus=search"; done = true; } break;
    }
    if (done) ev.preventDefault();
  });
  if (location.search.indexOf("focus=search") >= 0) { var s = document.querySelector("[data-search]"); if (s) s.focus(); }
})();
