// The rules the page must compute exactly as the arbiter and the room's screens do: the Dutch
// clock and the arbiter's clock behind it (shared/dutch.py), how money is said (shared/money.py),
// and how a closed lot states its result (edge/core/views.py: outcome). tests/web/test_rules.py
// runs each here in node against the Python original. BigInt keeps integer arithmetic exact.
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

  // The arbiter's clock from a lot state: its at_ms plus the time since it arrived, bounded below
  // by the wall clock, because a retained state may have waited on the broker before it arrived.
  function arbiterNow(atMs, sinceArrivalMs, wallMs) {
    return atMs == null ? wallMs : Math.max(atMs + sinceArrivalMs, wallMs);
  }

  const CLOCK_RUNS = ["open", "fair_warning"];

  // What a bid names now: a running Dutch clock's price by the arbiter's clock, else the asking price.
  function priceNow(lot, arbiterMs) {
    const d = lot.dutch;
    if (d && CLOCK_RUNS.includes(lot.status)) {
      return clockPrice(d.top, d.floor, d.end_ms - d.start_ms, d.schedule, d.step_ms, arbiterMs - d.start_ms);
    }
    return lot.asking == null ? null : lot.asking;
  }

  // A closed lot's result and its reason: [banner, reason], worded as the room's screens word it.
  function outcome(lot, digits) {
    const money = (minor) => (minor == null ? "-" : formatAmount(minor, lot.currency, digits));
    if (lot.status === "sold" && lot.leader) {
      const how = lot.kind === "dutch" ? "accepted on the Dutch clock" : "the highest bid at the hammer";
      return [`SOLD to ${lot.leader.label} for ${money(lot.current_bid)}`, how];
    }
    if (lot.status === "passed") {
      if (!lot.bids) return ["PASSED", lot.kind === "dutch" ? "the clock reached its floor with no acceptance" : "no bids"];
      if (!lot.reserve_met) return ["PASSED", `reserve not met: highest bid ${money(lot.current_bid)}`];
      return ["PASSED", "passed by the auctioneer"];
    }
    return [BANNERS[lot.status] || lot.status.toUpperCase(), ""];
  }

  const BANNERS = { pending: "NOT YET OPEN", open: "OPEN", fair_warning: "FAIR WARNING", paused: "PAUSED", sold: "SOLD", passed: "PASSED" };

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
  exports.arbiterNow = arbiterNow;
  exports.priceNow = priceNow;
  exports.outcome = outcome;
  exports.formatAmount = formatAmount;
})(typeof module === "object" ? module.exports : (window.rules = {}));
