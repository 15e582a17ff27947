// What a streamed completion sends for a turn's deltas: a client that cannot take text back
// never gets a mix of two attempts of one model call.
import { describe, expect, it } from 'vitest';
import { StreamedText } from '../../src/gateway/streamed-text.js';

describe('StreamedText', () => {
  it('passes deltas through and sends the rest of the reply the deltas did not cover', () => {
    const text = new StreamedText();
    expect(text.add('s1', 1, 'Hel')).toBe('Hel');
    expect(text.add('s1', 1, 'lo')).toBe('lo');
    expect(text.remainderOf('Hello world')).toBe(' world');
    expect(new StreamedText().remainderOf('Hello')).toBe('Hello');
  });

  it('after a retry, sends only what goes past the text already sent, while the retry agrees with it', () => {
    const text = new StreamedText();
    let sent = text.add('s1', 1, 'The answer') + text.add('s1', 1, ' is');
    text.restart('s1', 2);
    sent += text.add('s1', 2, 'The ans');
    expect(sent).toBe('The answer is');
    sent += text.add('s1', 2, 'wer is 42');
    sent += text.add('s1', 1, ' LATE'); // the presumed-dead attempt still streaming
    expect(sent).toBe('The answer is 42');
    expect(text.remainderOf('The answer is 42.')).toBe('.');
  });

  it('a retry that says something else sends nothing more of that call, and no remainder that would not fit', () => {
    const text = new StreamedText();
    let sent = text.add('s1', 1, 'Maybe yes');
    sent += text.add('s1', 2, 'Certainly no'); // a higher attempt without a restart event first
    expect(sent).toBe('Maybe yes');
    expect(text.remainderOf('Certainly no')).toBe('');
  });

  it('separates the text of successive model calls and completes the last one', () => {
    const text = new StreamedText();
    const sent = text.add('s1', 1, 'Let me look.') + text.add('s2', 1, 'Found');
    expect(sent).toBe('Let me look.\n\nFound');
    expect(text.remainderOf('Found it')).toBe(' it');
  });
});
