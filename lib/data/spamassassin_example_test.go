package data_test

import (
	"fmt"

	"github.com/lossbook/lossbook/lib/data"
)

func ExampleMailText() {
	raw := "Subject: =?iso-8859-1?q?Caf=E9?= news\n" +
		"Content-Type: multipart/alternative; boundary=\"B\"\n\n" +
		"--B\nContent-Type: text/html; charset=windows-1252\n\n<p>I\x92m <b>in</b>!</p>\n" // no closing boundary
	subject, text := data.MailText([]byte(raw))
	fmt.Printf("%q\n%q\n", subject, text)
	// Output:
	// "Café news"
	// "I’m in!"
}

func ExampleMessage_Key() {
	a := data.Message{Subject: "Call me 16540", Text: "Hello, I am\nyour HOT toy."}
	b := data.Message{Subject: "Call me 95508", Text: "hello, i am your hot  toy."}
	fmt.Printf("%q\n%v\n", a.Key(), a.Key() == b.Key())
	// Output:
	// "hello, i am your hot toy."
	// true
}
