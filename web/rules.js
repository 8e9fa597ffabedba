// The two rules the page must compute exactly as the arbiter does: the Dutch clock
// (shared/dutch.py) and how money is said (shared/money.py). tests/web/test_rules.py runs
// both here in node against the Python originals. BigInt keeps integer arithmetic exact.
(function (exports) {
  "use strict";

  function clockPrice(top, floor, durationMs, schedule, stepMs, elapsedMs) {
    const T = BigInt(top), F = BigInt(floor), D = BigInt(durationMs);
    const elapsed = BigInt(Math.max(0, Math.min(elapsedMs, durationMs)));
    if (schedule === "steps") {
      let steps = D / BigInt(stepMs);
      if (steps < 1n) steps = 1n;
      let done = elapsed / BigInt(stepMs);
      if (done > steps) done = steps;
      return Number(T - ((T - F) * done) / steps);
    }
    return Number(T - ((T - F) * elapsed) / D);
  }

  function formatAmount(minor, currency, digits) {
    const sign = minor < 0 ? "-" : "";
    const value = BigInt(Math.abs(minor));
    const scale = 10n ** BigInt(digits);
    const whole = digits ? value / scale : value;
    const fraction = digits ? value % scale : 0n;
    const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    const text = fraction ? `${grouped}.${fraction.toString().padStart(digits, "0")}` : grouped;
    return `${sign}${text} ${currency}`;
  }

  exports.clockPrice = clockPrice;
  exports.formatAmount = formatAmount;
})(typeof module === "object" ? module.exports : (window.rules = {}));
