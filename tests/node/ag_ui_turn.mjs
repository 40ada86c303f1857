// Drives one AG-UI turn with a clarification through the official @ag-ui/client HttpAgent, and prints what it saw
// as one JSON document: node ag_ui_turn.mjs URL AGENT MESSAGE ANSWER [OWNER_TOKEN]
import { HttpAgent } from "@ag-ui/client";

const [url, agentName, message, answer, owner] = process.argv.slice(2);
const agent = new HttpAgent({
  url: `${url}/ag-ui/${agentName}`,
  headers: owner ? { "X-Owner-Token": owner } : {},
  threadId: `node-${Date.now()}`,
  initialMessages: [{ id: "u1", role: "user", content: message }],
});
const seen = [];
const subscriber = { onEvent: ({ event }) => { seen.push(event.type); } };

const first = await agent.runAgent({}, subscriber);
const interrupts = agent.pendingInterrupts.map((i) => ({ ...i }));
const second = interrupts.length
  ? await agent.runAgent({ resume: [{ interruptId: interrupts[0].id, status: "resolved", payload: { answer } }] },
                         subscriber)
  : null;
console.log(JSON.stringify({
  threadId: agent.threadId, events: seen, interrupts, firstResult: first.result ?? null,
  secondResult: second ? second.result ?? null : null, state: agent.state,
  messages: agent.messages.map((m) => ({ role: m.role, content: m.content ?? null, toolCalls: m.toolCalls ?? null })),
}));
