/** Markdown helpers shared by the proof report and the experiments. */

/** Text safe inside a table cell (a `|` would end the cell). */
export const escapeCell = (s: string) => s.replace(/\|/g, '\\|');

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
export const anchor = (title: string) => title.toLowerCase().replace(/[^\p{L}\p{N} -]/gu, '').trim().replace(/ /g, '-');
