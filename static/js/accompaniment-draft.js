/* Keeps what a project holder types in this browser until the step is sent, so that a reload or a
   dropped connection loses nothing. The server keeps each step once sent; this covers the step on screen.
   Progressive enhancement: without script the form works the same. */
(function () {
  "use strict";
  if (!window.localStorage) { return; }
  // Sent, or thrown away: nothing of it stays in this browser.
  if (document.querySelector("[data-draft-clear]")) {
    Object.keys(localStorage).forEach(function (name) {
      if (name.indexOf("chrysalides-pp-step-") === 0) { localStorage.removeItem(name); }
    });
    return;
  }
  var form = document.querySelector("form[data-draft-key]");
  if (!form) { return; }
  var key = "chrysalides-" + form.getAttribute("data-draft-key");
  var fields = function () {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.name !== "site_web" && el.type !== "submit" && el.type !== "hidden";
    });
  };
  var save = function () {
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox") {
        data[el.name] = data[el.name] || [];
        if (el.checked) { data[el.name].push(el.value); }
      } else if (el.type === "radio") {
        if (el.checked) { data[el.name] = el.value; }
      } else {
        data[el.name] = el.value;
      }
    });
    try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full or refused */ }
  };
  var restore = function () {
    var data;
    try { data = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { data = null; }
    if (!data) { return; }
    fields().forEach(function (el) {
      if (!(el.name in data)) { return; }
      var value = data[el.name];
      if (el.type === "checkbox") {
        el.checked = Array.isArray(value) && value.indexOf(el.value) !== -1;
      } else if (el.type === "radio") {
        el.checked = el.value === value;
      } else if (!el.value || el.value !== value) {
        el.value = value;
      }
    });
  };
  // A page shown again with errors holds what the server received: it wins over the local copy.
  if (!document.querySelector(".error-summary")) { restore(); }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
}());
