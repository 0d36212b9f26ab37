"""footfall firmware entry point: safe mode, else the app for the board named in board.txt.

footfall_fw.guard also catches what would otherwise leave the board in the REPL with power
held: a config the board cannot build (the defaults are used), any boot error (logged to
error.log, signalled, powered off) and Ctrl-C (the REPL, with the watchdog relaxed).
"""

from footfall_fw import guard

guard.main()
