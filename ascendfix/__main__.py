from ascendfix.cli import main

raise SystemExit(main())
