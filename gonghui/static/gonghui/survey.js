/* Show-if: hide a question until the earlier single-choice answer it depends on is given. Without
   JavaScript every question shows, and the server ignores answers to questions that do not apply. */
(function () {
  "use strict";
  const form = document.getElementById("survey");
  if (!form) return;
  function update() {
    form.querySelectorAll("[data-show-if]").forEach(function (box) {
      const chosen = form.querySelector('input[name="' + box.dataset.showIf + '"]:checked');
      box.hidden = !(chosen && chosen.value === box.dataset.showChoice);
    });
  }
  form.addEventListener("change", update);
  update();
})();
