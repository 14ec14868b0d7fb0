// How the demo tells its story: numbered sections, indented lines, ✓ and ✗, quoted output.
import { paint, writeOut } from '../output';

export function section(number: number, title: string): void {
  writeOut('');
  writeOut(paint(number === 0 ? title : `${number}. ${title}`, 'bold'));
}

export function say(text: string): void {
  writeOut(`   ${text}`);
}

export function ok(text: string): void {
  say(`${paint('✓', 'green')} ${text}`);
}

export function no(text: string): void {
  say(`${paint('✗', 'red')} ${text}`);
}

export function quote(text: string): void {
  writeOut(indent(text.trimEnd(), `     ${paint('│', 'dim')} `));
}

export function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '' : prefix + line))
    .join('\n');
}

export function firstSentence(text: string): string {
  const end = text.indexOf('. ');
  return end === -1 ? text : text.slice(0, end + 1);
}
