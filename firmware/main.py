"""footfall firmware entry point: build the board named in board.txt and run the app."""

import gc

from footfall_fw import app, board, config

# Loading the modules leaves garbage between them. Collected now, its holes take the boot's
# small objects and the heap's free tail stays whole for the store's 4 KiB block buffer.
gc.collect()
cfg, _ = config.load()
app.run(board.Hardware(board.board_name(), cfg["rate_hz"]))
