"""footfall firmware entry point: build the board named in board.txt and run the app."""

from footfall_fw import app, board, config

cfg, _ = config.load()
app.run(board.Hardware(board.board_name(), cfg["rate_hz"]))
