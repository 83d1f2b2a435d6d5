// Small behaviours of the console pages, here instead of inline handlers: the Content-Security-Policy
// runs scripts from gonghui's own files only.
(function () {
  "use strict";
  // <form data-confirm="Are you sure?">: ask before sending.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  // <select data-autosubmit>: send the form when the choice changes (language, version).
  document.addEventListener("change", function (event) {
    const field = event.target;
    if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    const target = event.target;
    if (!(target instanceof Element)) return;
    if (target.closest("[data-print]")) window.print();
    if (target instanceof HTMLInputElement && target.hasAttribute("data-select-on-click")) target.select();
  });
})();
