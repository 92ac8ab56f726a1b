import { describe, expect, it } from 'vitest';
import { decodeUtf8 } from './node-transport';

describe('decodeUtf8', () => {
  const alphabet = ['a', '"', '{', ' ', 'ü', 'ñ', 'ł', '€', '漢', '😀', '\n'];

  it('reads any valid UTF-8 exactly as Buffer#toString, characters split across blocks included', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 200; round++) {
      const length = Math.floor(random() * 5000);
      // Mostly ASCII, as JSON is, with other characters now and then.
      let text = '';
      for (let index = 0; index < length; index++) {
        text += random() < 0.97 ? 'x' : alphabet[Math.floor(random() * alphabet.length)]!;
      }
      const buffer = Buffer.from(text, 'utf8');
      expect(decodeUtf8(buffer)).toBe(text);
    }
  });

  it('handles multi-byte characters at every position around a block boundary', () => {
    for (const character of ['ü', '€', '😀']) {
      for (let offset = 1000; offset < 1030; offset++) {
        const text = `${'a'.repeat(offset)}${character}${'b'.repeat(1500)}`;
        expect(decodeUtf8(Buffer.from(text))).toBe(text);
      }
    }
  });

  it('reads pure ASCII, empty and invalid input like Buffer#toString', () => {
    expect(decodeUtf8(Buffer.alloc(0))).toBe('');
    const ascii = Buffer.from('{"a":1}'.repeat(1000));
    expect(decodeUtf8(ascii)).toBe(ascii.toString('utf8'));
    const invalid = Buffer.concat([
      Buffer.from('x'.repeat(1023)),
      Buffer.from([0xc3]),
      Buffer.from('y'.repeat(2000)),
    ]);
    expect(decodeUtf8(invalid)).toBe(invalid.toString('utf8'));
    const continuations = Buffer.concat([Buffer.from('x'.repeat(1000)), Buffer.alloc(3000, 0x80)]);
    expect(decodeUtf8(continuations)).toHaveLength(continuations.toString('utf8').length);
  });
});
