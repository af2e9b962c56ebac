// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Drop-down menus (<details data-menu>: account, language, "More") close when
  // clicking elsewhere or pressing Escape; Escape gives focus back to the menu's button.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });

  // Confirm dangerous actions: <form data-confirm="Delete this account?">.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();

// Account form: show "exchange name" only when "Other…" is chosen.
(function () {
  "use strict";
  var select = document.querySelector("select[name=exchange_choice]");
  var other = document.getElementById("field-other_exchange_name");
  if (!select || !other) return;
  function sync() { other.hidden = select.value !== "other"; }
  select.addEventListener("change", sync);
  sync();
})();

// Print: a button that prints, and every collapsed step opened for paper.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.step:not([open])").forEach(function (el) {
      el.setAttribute("open", "");
      el.setAttribute("data-opened-for-print", "");
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("[data-opened-for-print]").forEach(function (el) {
      el.removeAttribute("open");
      el.removeAttribute("data-opened-for-print");
    });
  });
})();
