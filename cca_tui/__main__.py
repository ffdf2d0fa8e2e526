from cca_tui.cli import main

raise SystemExit(main())
