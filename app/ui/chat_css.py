"""The chat tab's styles: the conversation, question and message box on one screen at projector sizes, the
setup column scrolling on its own, presenter view."""

from app.ui import input_form

CSS = """
#header h1 {margin-bottom: 0}
#header p {margin-top: 2px; color: var(--body-text-color-subdued)}
/* The conversation fills what the window leaves under the tabs above the question, its options and the message
   box (a flex column: a two-line question takes its room from the conversation), so on a 1280x720 projector
   all three are visible at once. */
body {--chat-top: 150px} #chat-column {height: calc(100vh - var(--chat-top)); flex-wrap: nowrap !important}
#chat {flex: 1 1 0 !important; height: auto !important; min-height: 200px} #composer {flex: 0 0 auto !important}
#composer {position: sticky; bottom: 0; z-index: 20; background: var(--body-background-fill);
           padding-top: 6px; box-shadow: 0 -6px 12px -8px rgba(0, 0, 0, .25)}
/* The setup column scrolls on its own: with many tools chosen it grew past the window, and picking one more
   scrolled the page so that the conversation's top left the screen. Its children keep their height (a flex
   column would squeeze them) and it stays above the conversation, so a menu that opens over it is clickable. */
#chat-setup {max-height: calc(100vh - 120px); overflow-y: auto; position: sticky; top: 8px; align-self: flex-start;
             flex-wrap: nowrap; z-index: 30}
#chat-setup > * {flex-shrink: 0}
#ask-panel {border: 2px solid #ec4899 !important; border-radius: 10px; padding: 8px 12px}
#question {font-size: 1.15rem}
#question .prose p:first-child {font-size: 1.2rem; font-weight: 600}
#question sub {color: var(--body-text-color-subdued); font-size: .8rem}
#ask-options {gap: 10px; flex-wrap: wrap}
.option-btn {min-width: 120px !important; flex: 0 1 auto !important; font-size: 1.05rem !important;
             border: 2px solid #ec4899 !important; font-weight: 600 !important}
/* Presenter view: the conversation is the whole screen, in large type. */
body.presenter-chat #chat-setup, body.presenter-chat #header, body.presenter-chat .tab-wrapper {display: none !important}
body.presenter-chat {--chat-top: 70px}
body.presenter-chat #chat .prose, body.presenter-chat #chat .message {font-size: 1.35rem !important; line-height: 1.5}
body.presenter-chat #question .prose p:first-child, body.presenter-chat #question .prose p:first-child * {
  font-size: 1.55rem !important}
body.presenter-chat #ask-options button {font-size: 1.3rem !important; min-width: 160px !important}
body.presenter-chat footer {display: none !important}
body.presenter-chat #message textarea {font-size: 1.3rem}
""" + input_form.CSS
