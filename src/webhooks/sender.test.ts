import { describe, expect, it } from 'vitest';
import { fetchWebhookSender } from './sender';

describe('fetch webhook sender', () => {
  it('refuses a target the policy forbids at send time, without a request', async () => {
    const calls: RequestInit[] = [];
    const sender = fetchWebhookSender('public', async (_url, init) => {
      calls.push(init!);
      return new Response('ok');
    });
    const refused = await sender.send({
      url: 'https://10.0.0.7/hook',
      headers: {},
      body: '{}',
      timeoutMs: 1000,
    });
    expect(refused).toMatchObject({ status: null, error: expect.stringMatching(/refused by egress policy/) });
    expect(calls).toHaveLength(0);
  });

  it('never follows redirects and keeps the first KiB of the answer', async () => {
    const calls: RequestInit[] = [];
    const sender = fetchWebhookSender('public', async (_url, init) => {
      calls.push(init!);
      return new Response('x'.repeat(5000), {
        status: 302,
        headers: { location: 'https://elsewhere.example/' },
      });
    });
    const answer = await sender.send({
      url: 'https://hooks.example.com/hook',
      headers: {},
      body: '{}',
      timeoutMs: 1000,
    });
    expect(calls[0]!.redirect).toBe('manual');
    expect(answer).toMatchObject({ status: 302 });
    expect(answer.status === 302 && answer.body.length).toBe(1024);
  });
});
