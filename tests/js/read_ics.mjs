// Reads an iCalendar feed from stdin with ical.js, as a JavaScript calendar client would,
// and prints every occurrence as JSON: [{uid, start, end, status}] with UTC instants.
// RRULEs are expanded (with RDATE, EXDATE and RECURRENCE-ID overrides) from the first
// occurrence up to the date given as the only argument (YYYY-MM-DD, default 2040-01-01).
// Anything that ical.js would silently misread (a TZID without its VTIMEZONE) is reported
// on stderr and exits 1.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const until = ICAL.Time.fromDateString(process.argv[2] || "2040-01-01");
const root = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
for (const zone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}

let problems = 0;
const vevents = root.getAllSubcomponents("vevent");
for (const vevent of vevents) {
  for (const property of vevent.getAllProperties()) {
    const tzid = property.getParameter("tzid");
    if (tzid && !ICAL.TimezoneService.has(tzid)) {
      console.error(`${property.name}: no VTIMEZONE for TZID ${tzid}`);
      problems += 1;
    }
  }
}

const utc = (time) => time.toJSDate().toISOString().replace(".000Z", "Z");
const status = (component) => component.getFirstPropertyValue("status") || "";
const masters = new Map();
const exceptions = [];
for (const vevent of vevents) {
  const event = new ICAL.Event(vevent);
  if (event.isRecurrenceException()) exceptions.push(event);
  else masters.set(event.uid, event);
}
const out = [];
for (const exception of exceptions) {
  const master = masters.get(exception.uid);
  if (master) master.relateException(exception);
  else out.push({ uid: exception.uid, start: utc(exception.startDate), end: utc(exception.endDate), status: status(exception.component) });
}
for (const event of masters.values()) {
  if (!event.isRecurring()) {
    out.push({ uid: event.uid, start: utc(event.startDate), end: utc(event.endDate), status: status(event.component) });
    continue;
  }
  const iterator = event.iterator();
  for (let next = iterator.next(); next && next.compare(until) < 0; next = iterator.next()) {
    const details = event.getOccurrenceDetails(next);
    out.push({ uid: event.uid, start: utc(details.startDate), end: utc(details.endDate), status: status(details.item.component) });
  }
}
out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
process.stdout.write(JSON.stringify(out) + "\n");
process.exit(problems ? 1 : 0);
