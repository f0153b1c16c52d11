package dev.spartan;

public final class Main {
    public static void main(String[] args) {
    }
}
