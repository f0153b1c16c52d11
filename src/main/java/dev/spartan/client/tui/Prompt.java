package dev.spartan.client.tui;

/**
 * What the input line shows before the user types.
 *
 * @param question true for the client's questions ({@code [Spartan] Enter a user ...: }), which are lines of the
 *                 conversation; false for the chat prompt ({@code [alice] > }), which only marks the input line
 */
record Prompt(String text, boolean question) {}
